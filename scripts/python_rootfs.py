#!/usr/bin/env python3
"""Root file system of a minimal Python image, made from the host's installed Debian packages.

No registry and no network: the dependency closure of the given packages (``apt-cache depends
--recurse --installed``), their files (``dpkg-query -L``) minus documentation, the host CA
bundle, a minimal /etc/passwd + /etc/group, /tmp (1777) and ``/bin/sh -> dash``. The tar goes
to stdout, for ``docker import - IMAGE`` (see scripts/build-images.sh).

    python_rootfs.py --manifest            # "package version arch" lines (for a content hash)
    python_rootfs.py --tar - | docker import - stigmer-e2e/python-base:3.11

Stdlib only; runs with any Python 3.8+.
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tarfile

DEFAULT_PACKAGES = ("python3", "python3-venv", "dash", "libstdc++6")  # libstdc++: grpcio
SKIP_PREFIXES = (
    "/usr/share/doc/",
    "/usr/share/man/",
    "/usr/share/info/",
    "/usr/share/lintian/",
    "/usr/share/locale/",
    "/usr/share/bug/",
)
EXTRA_FILES = (
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/os-release",
    "/usr/lib/os-release",
)
PASSWD = (
    "root:x:0:0:root:/root:/bin/sh\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
    "app:x:1000:1000:app:/home/app:/bin/sh\n"
)
GROUP = "root:x:0:\nnogroup:x:65534:\napp:x:1000:\n"
USRMERGE_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
TIMEOUT = 120


def run(argv: list[str]) -> str:
    return subprocess.run(
        argv, check=True, capture_output=True, text=True, timeout=TIMEOUT
    ).stdout


def closure(packages: tuple[str, ...]) -> list[str]:
    """Installed packages the given ones need, transitively (Depends + Pre-Depends)."""
    out = run(
        [
            "apt-cache", "depends", "--recurse", "--installed", "--no-recommends",
            "--no-suggests", "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances",
            *packages,
        ]
    )
    names = {line.strip() for line in out.splitlines() if line and not line[0].isspace()}
    return sorted(n for n in names if not n.startswith("<"))


def manifest(packages: list[str]) -> list[str]:
    out = run(["dpkg-query", "-W", "-f", "${Package} ${Version} ${Architecture}\n", *packages])
    return sorted(line for line in out.splitlines() if line.strip())


def canonical(path: str) -> str:
    """Resolve symlinked parent directories (usr-merge: /bin/dash -> /usr/bin/dash)."""
    parent, name = os.path.split(path)
    return os.path.join(os.path.realpath(parent), name) if name else os.path.realpath(path)


def package_paths(packages: list[str]) -> set[str]:
    out = run(["dpkg-query", "-L", *packages])
    paths: set[str] = set()
    for line in out.splitlines():
        if not line.startswith("/") or line in ("/.", "/"):
            continue
        if line.startswith(SKIP_PREFIXES):
            continue
        path = canonical(line)
        if os.path.lexists(path):
            paths.add(path)
    for extra in EXTRA_FILES:
        if os.path.lexists(extra):
            paths.add(canonical(extra))
    # The parents of every path, so the archive never relies on implicit directories.
    for path in list(paths):
        parent = os.path.dirname(path)
        while parent not in ("/", ""):
            paths.add(parent)
            parent = os.path.dirname(parent)
    return paths


def _root_owned(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    return info


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, mode: int = 0o644) -> None:
    info = _root_owned(tarfile.TarInfo(name))
    info.size, info.mode = len(data), mode
    tar.addfile(info, io.BytesIO(data))


def _add_dir(tar: tarfile.TarFile, name: str, mode: int, uid: int = 0) -> None:
    info = _root_owned(tarfile.TarInfo(name))
    info.type, info.mode = tarfile.DIRTYPE, mode
    info.uid = info.gid = uid
    tar.addfile(info)


def _add_link(tar: tarfile.TarFile, name: str, target: str) -> None:
    info = _root_owned(tarfile.TarInfo(name))
    info.type, info.linkname, info.mode = tarfile.SYMTYPE, target, 0o777
    tar.addfile(info)


def write_tar(paths: set[str], out: io.BufferedIOBase) -> None:
    synthetic = {"etc/passwd", "etc/group", "tmp", "root", "home", "home/app", "usr/bin/sh"}
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(paths):
            name = path.lstrip("/")
            if name in synthetic or "/" + name in USRMERGE_LINKS:
                continue
            info = _root_owned(tar.gettarinfo(path, arcname=name))
            if info.isreg():
                with open(path, "rb") as handle:
                    tar.addfile(info, handle)
            elif info.isdir() or info.issym() or info.islnk():
                tar.addfile(info)
        for link in USRMERGE_LINKS:
            if os.path.islink(link):
                _add_link(tar, link.lstrip("/"), os.readlink(link))
        _add_link(tar, "usr/bin/sh", "dash")
        _add_bytes(tar, "etc/passwd", PASSWD.encode())
        _add_bytes(tar, "etc/group", GROUP.encode())
        _add_dir(tar, "tmp", 0o1777)
        _add_dir(tar, "root", 0o700)
        _add_dir(tar, "home", 0o755)
        _add_dir(tar, "home/app", 0o755, uid=1000)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", nargs="+", default=list(DEFAULT_PACKAGES))
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--manifest", action="store_true", help="print the package manifest")
    group.add_argument("--tar", metavar="PATH", help="write the rootfs tar ('-' = stdout)")
    args = parser.parse_args(argv)
    packages = closure(tuple(args.packages))
    missing = set(args.packages) - set(packages)
    if missing:
        print(f"not installed: {' '.join(sorted(missing))}", file=sys.stderr)
        return 2
    if args.manifest:
        print("\n".join(manifest(packages)))
        return 0
    paths = package_paths(packages)
    if args.tar == "-":
        write_tar(paths, sys.stdout.buffer)
    else:
        with open(args.tar, "wb") as handle:
            write_tar(paths, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
