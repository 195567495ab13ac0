"""What every domain feature shares: JSON values, clauses, contexts, attribute references,
clause-value parsers and write-time checks."""
