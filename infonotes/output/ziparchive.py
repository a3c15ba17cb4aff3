"""A zip file made from members compressed beforehand, the same bytes for the same members.

Python's zipfile compresses each member while it writes it, in the writing process, one
after the other. The bundle compresses its members in parallel worker processes and only
lays them out here: local headers, the compressed data, the central directory. Nothing
in the layout depends on the clock, the file system or the order work finished in: every
member carries the one timestamp and the one mode it is given, in the order given.

The format is PKWARE's APPNOTE.TXT (the subset every unzip tool reads): deflate only, no
data descriptors, no extra fields; the ZIP64 end records only when there are more than
65,535 members. `zipfile` reads what this writes, and the tests make sure of it.
"""
from __future__ import annotations

import datetime as dt
import struct
import zlib
from dataclasses import dataclass

DEFLATED = 8
VERSION = 20            # 2.0: deflate
VERSION_ZIP64 = 45      # 4.5: the ZIP64 end records
MADE_BY_UNIX = 3 << 8   # so that unzip applies the members' Unix modes
UTF8_NAME = 0x0800      # general purpose flag bit 11: the name is UTF-8
FILE_MODE = 0o100644    # a regular file, readable by all, writable by its owner
MAX_16 = 0xFFFF
MAX_32 = 0xFFFFFFFF

LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
CENTRAL_HEADER = struct.Struct("<IHHHHHHIIIHHHHHII")
END = struct.Struct("<IHHHHIIH")
ZIP64_END = struct.Struct("<IQHHIIQQQQ")
ZIP64_LOCATOR = struct.Struct("<IIQI")


class ZipTooLarge(ValueError):
    """A member or the whole archive passes 4 GiB, which would need ZIP64 sizes."""


@dataclass(frozen=True, slots=True)
class Member:
    """One file of the archive, already compressed."""

    name: str
    """Its path inside the archive, '/'-separated."""
    crc: int
    """CRC-32 of the uncompressed bytes."""
    size: int
    """Uncompressed size."""
    data: bytes
    """A raw deflate stream (no zlib header)."""


def deflate(name: str, data: bytes, level: int) -> Member:
    """A member holding `data`, compressed at `level` (the same level gives the same bytes)."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    return Member(name, zlib.crc32(data), len(data), compressor.compress(data) + compressor.flush())


def dos_timestamp(day: dt.date) -> tuple[int, int]:
    """(time, date) in MS-DOS form for midnight of `day`, which must be 1980 to 2107."""
    if not 1980 <= day.year <= 2107:
        raise ValueError(f"a zip timestamp must be between 1980 and 2107, not {day.isoformat()}")
    return 0, (day.year - 1980) << 9 | day.month << 5 | day.day


def zip_bytes(members: list[Member], day: dt.date) -> bytes:
    """The whole archive: every member dated midnight of `day`, mode rw-r--r--, in order."""
    time, date = dos_timestamp(day)
    parts: list[bytes] = []
    directory: list[bytes] = []
    offset = 0
    for member in members:
        name = member.name.encode("utf-8")
        flags = 0 if name.isascii() else UTF8_NAME
        if max(offset, member.size, len(member.data)) > MAX_32:
            raise ZipTooLarge(f"{member.name}: the archive passes 4 GiB")
        parts.append(LOCAL_HEADER.pack(0x04034B50, VERSION, flags, DEFLATED, time, date, member.crc,
                                       len(member.data), member.size, len(name), 0))
        parts += (name, member.data)
        directory.append(CENTRAL_HEADER.pack(0x02014B50, MADE_BY_UNIX | VERSION, VERSION, flags, DEFLATED,
                                             time, date, member.crc, len(member.data), member.size,
                                             len(name), 0, 0, 0, 0, FILE_MODE << 16, offset) + name)
        offset += LOCAL_HEADER.size + len(name) + len(member.data)
    central = b"".join(directory)
    if offset + len(central) > MAX_32:
        raise ZipTooLarge("the archive passes 4 GiB")
    parts.append(central)
    parts.append(_end_records(len(members), len(central), offset))
    return b"".join(parts)


def _end_records(count: int, central_size: int, central_offset: int) -> bytes:
    """The end of central directory record, after the ZIP64 ones when the members are too
    many for its 16-bit counts."""
    if count <= MAX_16:
        return END.pack(0x06054B50, 0, 0, count, count, central_size, central_offset, 0)
    zip64_end_offset = central_offset + central_size
    return (ZIP64_END.pack(0x06064B50, ZIP64_END.size - 12, MADE_BY_UNIX | VERSION_ZIP64, VERSION_ZIP64,
                           0, 0, count, count, central_size, central_offset)
            + ZIP64_LOCATOR.pack(0x07064B50, 0, zip64_end_offset, 1)
            + END.pack(0x06054B50, 0, 0, MAX_16, MAX_16, central_size, central_offset, 0))
