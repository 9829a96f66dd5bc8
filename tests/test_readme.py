"""The README's Python example and test command stay runnable."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_python_example_runs(tmp_path):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)
    assert blocks, "README.md has no Python example"
    script = tmp_path / "example.py"
    script.write_text(blocks[0])
    completed = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path
    )
    assert completed.returncode == 0, completed.stderr


def test_ci_finds_test_command():
    text = README.read_text()
    marker = text.index("<!-- test command")
    block = re.search(r"```bash\n(.*?)```", text[marker:], flags=re.DOTALL)
    assert block is not None
    assert "pytest" in block.group(1)
