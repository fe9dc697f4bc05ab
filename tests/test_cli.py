"""The CLI contract: JSON documents, errors, exit codes, config, start-up cost."""

import json
import subprocess
import sys

from tests.conftest import REPO, SEEDS


def test_help_imports_no_heavy_library():
    code = (
        "import sys; from assistant.cli import app; from typer.testing import CliRunner;"
        "r = CliRunner().invoke(app, ['--help']); assert r.exit_code == 0, r.output;"
        "heavy = [m for m in ('chromadb', 'onnxruntime', 'openai', 'numpy', 'tiktoken', 'blingfire') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""


def test_sources_and_show_import_no_chromadb(cli, home):
    cli("ingest", SEEDS / "news" / "2020-08-22-wikinews-navalny-airlifted-to-germany.md")
    code = (
        "import sys; from assistant.cli import app; from typer.testing import CliRunner;"
        "r = CliRunner().invoke(app, ['sources', '--json']); assert r.exit_code == 0, r.output;"
        "aid = __import__('json').loads(r.stdout)['articles'][0]['article_id'];"
        "r = CliRunner().invoke(app, ['show', aid]); assert r.exit_code == 0, r.output;"
        "print('chromadb' in sys.modules, 'onnxruntime' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False False"


def test_usage_error_under_json_is_a_json_document(sh):
    r = sh("sources", "--json", "--bogus")
    assert r.code == 2
    assert "No such option" in r.json()["error"]["message"]
    r = sh("ingest", "--json")
    assert r.code == 2 and r.json()["error"]["message"] == "no paths given"


def test_errors_are_one_line_with_a_hint(sh, tmp_path):
    bad_home = tmp_path / "file-not-dir"
    bad_home.write_text("x")
    r = sh("--data-dir", bad_home, "sources")
    assert r.code == 1 and "Traceback" not in r.stderr
    assert r.stderr.startswith("error: ") and "hint:" in r.stderr


def test_config_show_and_set(cli, home):
    r = cli("config", "set", "chunk_tokens", "200")
    assert r.code == 0
    assert cli("config", "show", "--json").json()["chunk_tokens"] == 200
    assert 'chunk_tokens = 200' in (home / "config.toml").read_text()
    r = cli("config", "set", "chunk_tokens", "many", "--json")
    assert r.code == 1 and "must be a whole number" in r.json()["error"]["message"]
    r = cli("config", "set", "nonsense", "1")
    assert r.code == 1 and "unknown setting" in r.stderr
    # a key is never stored: only the name of the variable holding it
    r = cli("config", "set", "api_key_env", "sk-proj-abc123-secret")
    assert r.code == 1 and "must name an environment variable" in r.stderr
    assert "sk-proj" not in (home / "config.toml").read_text()


def test_environment_beats_config_file_and_options_beat_both(cli, home, monkeypatch):
    cli("config", "set", "chunk_tokens", "200")
    monkeypatch.setenv("ASSISTANT_CHUNK_TOKENS", "150")
    assert cli("config", "show", "--json").json()["chunk_tokens"] == 150
    assert cli("--embedder", "local", "config", "show", "--json").json()["embedder"] == "local"


def test_help_runs_as_a_process():
    # how fast is measured, not asserted (docs/performance.md); what keeps it fast is test_help_imports_no_heavy_library
    out = subprocess.run([sys.executable, "-m", "assistant.cli", "--help"], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0 and "ingest" in out.stdout
