"""Start a throw-away Virtuoso (Debian's virtuoso-opensource) on free loopback ports, for tests and benchmarks.

The server gets its own database directory and ini file, so it never touches a system installation; it runs in the
foreground as a child process and is killed at the end.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from graph.children import die_with_parent

VIRTUOSO = shutil.which("virtuoso-t") or "/usr/bin/virtuoso-t"
ISQL = shutil.which("isql-vt") or "/usr/bin/isql-vt"
VAD_DIR = Path("/usr/share/virtuoso-opensource-7/vad")

INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{isql_port}
LiteMode = 0
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 10
CheckpointInterval = 0
O_DIRECT = 0
CaseMode = 2
MaxStaticCursorRows = 5000
CheckpointAuditTrail = 0
AllowOSCalls = 0
SchedulerInterval = 10
DirsAllowed = ., {db}, {vad}
ThreadCleanupInterval = 0
ThreadThreshold = 10
ResourcesCleanupInterval = 0
FreeTextBatchSize = 100000
SingleCPU = 0
VADInstallDir = {vad}/
PrefixResultNames = 0
RdfFreeTextRulesSize = 100
IndexTreeMaps = 64
MaxQueryMem = 500M
VectorSize = 1000
MaxVectorSize = 1000000
AdjustVectorSize = 0
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 10
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {db}/vsp
MaxClientConnections = 10
DavRoot = DAV
EnabledDavVSP = 0
HTTPProxyEnabled = 0
ServerThreads = 10
MaxKeepAlives = 10
KeepAliveTimeout = 10
HTTPThreadSize = 280000
HttpPrintWarningsInOutput = 0
Charset = UTF-8
EnabledGzipContent = 0

[Client]
SQL_PREFETCH_ROWS = 100
SQL_PREFETCH_BYTES = 16000
SQL_QUERY_TIMEOUT = 0
SQL_TXN_TIMEOUT = 0

[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = 120
DeferInferenceRulesInit = 0
"""

# Let the anonymous SPARQL user write through /sparql (SPARQL Update) and the unauthenticated Graph Store endpoint:
# acceptable on a throw-away loopback server, never on a shared one (use the -auth endpoints with digest auth there).
GRANTS = """\
GRANT SPARQL_UPDATE TO "SPARQL";
DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7);
"""


def available() -> bool:
    return Path(VIRTUOSO).exists() and os.access(VIRTUOSO, os.X_OK)


def require() -> None:
    """For a test that needs a Virtuoso: skip it when virtuoso-t is not installed, fail it instead when
    CLAIMGRAPH_REQUIRE_VIRTUOSO=1 (as in CI)."""
    import pytest

    if available():
        return
    missing = "virtuoso-t is not installed (apt-get install virtuoso-opensource)"
    if os.environ.get("CLAIMGRAPH_REQUIRE_VIRTUOSO") == "1":
        pytest.fail(f"{missing}, and CLAIMGRAPH_REQUIRE_VIRTUOSO=1")
    pytest.skip(f"{missing}; set CLAIMGRAPH_REQUIRE_VIRTUOSO=1 to fail instead")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Virtuoso:
    http_port: int
    isql_port: int
    directory: Path
    pid: int = 0  # virtuoso-t's process (it runs in the foreground), once started

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def sparql(self) -> str:
        return f"{self.base}/sparql"

    def isql(self, script: str) -> str:
        """Run SQL through isql-vt as dba (the default password of a fresh database)."""
        result = subprocess.run(
            [ISQL, f"127.0.0.1:{self.isql_port}", "dba", "dba"],
            input=script,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode != 0 or "*** Error" in result.stdout:
            raise RuntimeError(f"isql failed: {result.stdout}\n{result.stderr}")
        return result.stdout


@contextmanager
def running_virtuoso(
    directory: Path, grant_update: bool = True, start_timeout: float = 120, max_rows: int = 1_000_000
) -> Iterator[Virtuoso]:
    """A Virtuoso server with a fresh database in `directory`, answering on loopback until the block ends;
    ``max_rows``: its ResultSetMaxRows, the most rows of one answer."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "vsp").mkdir(exist_ok=True)
    server = Virtuoso(free_port(), free_port(), directory)
    ini = directory / "virtuoso.ini"
    ini.write_text(
        INI.format(
            db=directory, vad=VAD_DIR, isql_port=server.isql_port, http_port=server.http_port, max_rows=max_rows
        ),
        encoding="utf-8",
    )
    log = (directory / "stdout.log").open("wb")
    process = subprocess.Popen(
        [VIRTUOSO, "+foreground", "+configfile", str(ini)],
        cwd=directory,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=die_with_parent,  # a test run stopped by SIGKILL leaves no server
    )
    server.pid = process.pid
    try:
        _wait_until_answering(server, process, start_timeout)
        if grant_update:
            server.isql(GRANTS)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_until_answering(server: Virtuoso, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    url = server.sparql + "?" + urllib.parse.urlencode({"query": "ASK {}"})
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = (server.directory / "virtuoso.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"virtuoso-t exited with {process.returncode}:\n{log}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"virtuoso-t did not answer on {server.sparql} within {timeout:.0f} s")
