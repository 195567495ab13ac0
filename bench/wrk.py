"""Drive a server with ``wrk`` (the Debian package; a C load generator) and read its figures.

``run_wrk(url, case)`` runs ``wrk -t1 -c<connections> -d<seconds>s`` with a Lua script made
from a :class:`Case`: method, path, headers and a body, where ``{n}`` stands for a number
that grows with every request of the run (unique keys) and ``{m}`` for that number modulo
``case.cycle`` (the same few segments in turn), ``{id}`` for ``{m}`` plus
``case.id_start``. The script's ``done`` hook prints one line
that :func:`run_wrk` parses: requests, duration, latency p50/p90/p99, non-2xx and socket
errors. Requests that answer 4xx/5xx count as errors (a benchmark with errors is reported,
never silently averaged in).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    cycle: int = 1
    id_start: int = 0


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _lua_string(text: str) -> str:
    return "[==[" + text + "]==]"


def lua_script(case: Case, prefix: str) -> str:
    headers = ", ".join(f"[ {_lua_string(k)} ] = {_lua_string(v)}" for k, v in case.headers.items())
    return f"""
local n = 0
local prefix = {_lua_string(prefix)}
local headers = {{ {headers} }}
local path_t = {_lua_string(case.path)}
local body_t = {_lua_string(case.body)}
local cycle = {case.cycle}
local id_start = {case.id_start}
local function fill(t)
  local m = n % cycle
  t = string.gsub(t, "{{n}}", prefix .. n)
  t = string.gsub(t, "{{m}}", tostring(m))
  t = string.gsub(t, "{{id}}", tostring(m + id_start))
  return t
end
request = function()
  n = n + 1
  local body = nil
  if #body_t > 0 then body = fill(body_t) end
  return wrk.format({_lua_string(case.method)}, fill(path_t), headers, body)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK %d %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
"""


def run_wrk(
    base_url: str, case: Case, *, seconds: float, connections: int = 8, prefix: str = "r"
) -> WrkResult:
    """One ``wrk`` run of ``case`` against ``base_url``; its figures."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua_script(case, prefix))
    try:
        out = subprocess.run(
            [wrk, "-t1", f"-c{connections}", f"-d{seconds:g}s", "-s", script.name, base_url],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 60,
        ).stdout
    finally:
        Path(script.name).unlink()
    line = next(x for x in out.splitlines() if x.startswith("WRK "))
    requests, micros, p50, p90, p99, status_errors, socket_errors = map(int, line.split()[1:])
    return WrkResult(
        requests=requests,
        seconds=micros / 1e6,
        p50_ms=p50 / 1000,
        p90_ms=p90 / 1000,
        p99_ms=p99 / 1000,
        errors=status_errors + socket_errors,
    )
