"""Where the non-Python parts of the app live.

In a source checkout, `templates/`, `static/` and `migrations/` sit at the top of the
repository; a wheel copies them into the package (see pyproject.toml). Look inside the
package first so an installed copy never reads a stray checkout.
"""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def resource_path(name: str) -> Path:
    packaged = PACKAGE_DIR / name
    if packaged.is_dir():
        return packaged
    return PACKAGE_DIR.parent / name
