"""One router per resource: parse, call a service, render. No SQL, no rule logic."""
