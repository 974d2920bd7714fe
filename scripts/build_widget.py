"""Build the chat widget: widget/src + widget/vendor -> backend/static/widget.bundle.js, widget.css.

The vendored files are the npm registry's own builds (widget/package.json names version,
file and integrity of each); `--fetch` downloads them again with `npm pack` and checks the
integrity. The bundle wraps each vendored UMD file in a function with its own
`module`/`exports`, so nothing is added to the host page's globals, and leaves the
placeholder `__KBW_CONFIG__` that the backend fills at request time (backend/blueprints/widget.py).
Run: .venv/bin/python -m scripts.build_widget [--fetch]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import subprocess
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIDGET = ROOT / "widget"
OUT = ROOT / "backend" / "static"
PLACEHOLDER = "__KBW_CONFIG__"
VENDOR_NAMES = {"socket.io-client": ("io", "socket.io.min.js"), "dompurify": ("DOMPurify", "purify.min.js")}


def manifest() -> dict:
    return json.loads((WIDGET / "package.json").read_text(encoding="utf-8"))["vendored"]


def fetch() -> None:
    """npm pack each pinned package, check its integrity, copy its file and licence."""
    for package, info in manifest().items():
        with tempfile.TemporaryDirectory() as tmp:
            name = (
                subprocess.run(
                    ["npm", "pack", f"{package}@{info['version']}", "--silent"],
                    cwd=tmp,
                    check=True,
                    capture_output=True,
                    text=True,
                )
                .stdout.strip()
                .splitlines()[-1]
            )
            data = (Path(tmp) / name).read_bytes()
            digest = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
            if digest != info["integrity"]:
                raise SystemExit(f"{package}@{info['version']}: integrity {digest} != {info['integrity']}")
            with tarfile.open(Path(tmp) / name) as tar:
                tar.extractall(tmp, filter="data")
            _, target = VENDOR_NAMES[package]
            (WIDGET / "vendor" / target).write_bytes((Path(tmp) / "package" / info["file"]).read_bytes())
            licence = (Path(tmp) / "package" / "LICENSE").read_bytes()
            (WIDGET / "vendor" / f"{package}.LICENSE").write_bytes(licence)


def vendored(package: str) -> str:
    """One vendored UMD file as a statement that sets a local variable, no global."""
    variable, file = VENDOR_NAMES[package]
    info = manifest()[package]
    code = (WIDGET / "vendor" / file).read_text(encoding="utf-8")
    code = "\n".join(line for line in code.splitlines() if not line.startswith("//# sourceMappingURL="))
    return (
        f"/* {package} {info['version']} ({info['license']}), npm registry, {info['file']};"
        f" licence: widget/vendor/{package}.LICENSE */\n"
        f"var {variable} = (function () {{ var module = {{ exports: {{}} }}, exports = module.exports,"
        f" define;\n{code}\nreturn module.exports; }})();\n"
    )


def bundle() -> str:
    source = (WIDGET / "src" / "widget.js").read_text(encoding="utf-8")
    return (
        "/*! Chat widget; built by scripts/build_widget.py from widget/src. */\n"
        "(function (CONFIG, SCRIPT) {\n"
        + vendored("socket.io-client")
        + vendored("dompurify")
        + source
        + f"\n}})({PLACEHOLDER}, document.currentScript);\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fetch", action="store_true", help="download the vendored files again (npm pack)")
    if parser.parse_args().fetch:
        fetch()
    (OUT / "widget.bundle.js").write_text(bundle(), encoding="utf-8")
    (OUT / "widget.css").write_text(
        (WIDGET / "src" / "widget.css").read_text(encoding="utf-8"), encoding="utf-8"
    )


if __name__ == "__main__":
    main()
