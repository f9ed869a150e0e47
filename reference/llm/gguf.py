"""A minimal GGUF header reader: metadata key/values and the parameter count.

Only what ``/api/show`` and ``/api/tags`` report is read; tensor data is never touched.
Large arrays (the tokenizer vocabulary) are skipped and reported as ``None``, as Ollama
does in a non-verbose ``show``.
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_SCALARS: dict[int, str] = {
    0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q",
    11: "<q", 12: "<d",
}
_STRING, _ARRAY = 8, 9
_SMALL_ARRAY = 64

# llama_ftype values (general.file_type) -> Ollama's quantization_level labels.
FILE_TYPES: dict[int, str] = {
    0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K",
    11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S",
    17: "Q5_K_M", 18: "Q6_K", 32: "BF16",
}


class GgufError(ValueError):
    """The file is not a GGUF file this reader understands."""


@dataclass
class GgufInfo:
    """Metadata of one GGUF file."""

    version: int
    metadata: dict[str, Any] = field(default_factory=dict)
    parameter_count: int = 0

    @property
    def architecture(self) -> str:
        return str(self.metadata.get("general.architecture", "unknown"))

    @property
    def quantization(self) -> str:
        file_type = self.metadata.get("general.file_type")
        return FILE_TYPES.get(file_type, "unknown") if isinstance(file_type, int) else "unknown"

    def get(self, key: str, default: Any = None) -> Any:
        return self.metadata.get(key, default)


class _Cursor:
    def __init__(self, buffer: mmap.mmap) -> None:
        self.buffer = buffer
        self.offset = 0

    def unpack(self, fmt: str) -> Any:
        value = struct.unpack_from(fmt, self.buffer, self.offset)[0]
        self.offset += struct.calcsize(fmt)
        return value

    def string(self) -> str:
        length = self.unpack("<Q")
        raw = self.buffer[self.offset:self.offset + length]
        self.offset += length
        return raw.decode("utf-8", errors="replace")

    def skip_string(self) -> None:
        length = self.unpack("<Q")
        self.offset += length

    def value(self, kind: int) -> Any:
        if kind in _SCALARS:
            return self.unpack(_SCALARS[kind])
        if kind == _STRING:
            return self.string()
        if kind == _ARRAY:
            return self.array()
        raise GgufError(f"unknown GGUF value type {kind}")

    def array(self) -> list[Any] | None:
        kind = self.unpack("<I")
        count = self.unpack("<Q")
        if count <= _SMALL_ARRAY:
            return [self.value(kind) for _ in range(count)]
        if kind in _SCALARS:
            self.offset += count * struct.calcsize(_SCALARS[kind])
        elif kind == _STRING:
            for _ in range(count):
                self.skip_string()
        else:
            for _ in range(count):
                self.value(kind)
        return None


def read_gguf(path: Path) -> GgufInfo:
    """Read the metadata and count the parameters of the GGUF file at ``path``."""
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        if mm[:4] != b"GGUF":
            raise GgufError(f"{path} is not a GGUF file")
        cursor = _Cursor(mm)
        cursor.offset = 4
        version = cursor.unpack("<I")
        if version < 2:
            raise GgufError(f"GGUF version {version} is not supported")
        tensor_count = cursor.unpack("<Q")
        kv_count = cursor.unpack("<Q")
        info = GgufInfo(version=version)
        for _ in range(kv_count):
            key = cursor.string()
            info.metadata[key] = cursor.value(cursor.unpack("<I"))
        for _ in range(tensor_count):
            cursor.skip_string()
            n_dims = cursor.unpack("<I")
            elements = 1
            for _ in range(n_dims):
                elements *= cursor.unpack("<Q")
            cursor.offset += 4 + 8  # tensor type, data offset
            info.parameter_count += elements
        return info


def human_parameter_size(count: int) -> str:
    """Ollama's parameter_size label, e.g. ``134.52M`` or ``1.7B``."""
    if count >= 1_000_000_000:
        return f"{count / 1e9:.1f}B"
    if count >= 1_000_000:
        return f"{count / 1e6:.2f}M"
    return f"{count / 1e3:.2f}K"


def with_context_length(path: Path, key: str, length: int, dest: Path) -> Path:
    """Copy ``path`` to ``dest`` with the uint32 metadata ``key`` (``<arch>.context_length``)
    set to ``length``; GgufError when the file does not hold that key as a uint32."""
    raw = key.encode()
    pattern = struct.pack("<Q", len(raw)) + raw + struct.pack("<I", 4)  # 4: uint32
    with path.open("rb") as source:
        header = source.read(1 << 20)  # metadata precedes the tensors; keys come early
    at = header.find(pattern)
    if at < 0:
        raise GgufError(f"{path.name}: no uint32 {key} in the metadata")
    value_at = at + len(pattern)
    import shutil

    shutil.copyfile(path, dest)
    with dest.open("r+b") as target:
        target.seek(value_at)
        target.write(struct.pack("<I", length))
    return dest
