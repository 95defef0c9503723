"""S3-compatible object storage, for a landing zone or a warehouse named `s3://bucket/prefix`.

`COMPUTE_WEEKLY_RAW_DIR` and `COMPUTE_WEEKLY_WAREHOUSE` name a local folder or file (the
default) or an S3 prefix. S3 is reached through s3fs (fsspec), the filesystem DuckDB reads
the landing zone through as well (registered by dbt's profile), configured only by the
standard AWS variables, which botocore reads: `AWS_ACCESS_KEY_ID`,
`AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`), `AWS_ENDPOINT_URL` for an S3-compatible
server, and `AWS_REGION`. Nothing here keeps or prints a key.

An object is written in one request with its whole content (`put`), or, when large, in a
multipart upload that S3 shows to nobody until it completes: a reader sees the old object
or the new one, never part of one, so object storage needs no temporary objects, and no
glob ever lists one.

Every operation that fails raises `ObjectStoreError`, which names the operation, the
bucket and the key, and what to check (credentials, the bucket, the endpoint).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

from upath import UPath

S3_SCHEME = "s3://"
DEFAULT_REGION = "us-east-1"  # S3's own default; an S3-compatible server mostly ignores it
# Bounded, so a server that went away fails the operation in seconds, not minutes.
CONNECT_TIMEOUT_SECONDS = 5
READ_TIMEOUT_SECONDS = 60
MAX_ATTEMPTS = 3


class ObjectStoreError(OSError):
    """An operation on object storage failed; the message names the operation, the bucket
    and the key, and what to check."""


def is_s3(location: str | os.PathLike[str]) -> bool:
    return str(location).startswith(S3_SCHEME)


def storage_options() -> dict[str, Any]:
    """s3fs's settings, from the AWS variables as they are now (fsspec keeps one filesystem
    per distinct settings, so a changed key or endpoint gets a new one; unset, botocore's
    own lookup applies: a profile, an instance role), the region from `AWS_REGION`, no
    cached listings (another process may have written since), bounded timeouts and
    retries. dbt's profile gives DuckDB's s3fs the same but for a listings cache of a few
    seconds (`dbt_project/profiles.yml` says why)."""
    env = os.environ.get
    region = env("AWS_REGION") or env("AWS_DEFAULT_REGION") or DEFAULT_REGION
    return {
        "key": env("AWS_ACCESS_KEY_ID") or None,
        "secret": env("AWS_SECRET_ACCESS_KEY") or None,
        "token": env("AWS_SESSION_TOKEN") or None,
        "endpoint_url": env("AWS_ENDPOINT_URL") or None,
        "use_listings_cache": False,
        "client_kwargs": {"region_name": region},
        "config_kwargs": {
            "connect_timeout": CONNECT_TIMEOUT_SECONDS,
            "read_timeout": READ_TIMEOUT_SECONDS,
            "retries": {"max_attempts": MAX_ATTEMPTS, "mode": "standard"},
        },
    }


def filesystem() -> Any:
    """The s3fs filesystem with the project's settings (fsspec keeps one per process)."""
    import fsspec

    return fsspec.filesystem("s3", **storage_options())


def register_with_duckdb(connection: Any) -> None:
    """Let a DuckDB connection read `s3://` paths through s3fs (DuckDB's own S3 support,
    the httpfs extension, cannot be installed offline)."""
    connection.register_filesystem(filesystem())


def s3_path(url: str) -> UPath:
    """A path object for an `s3://bucket/key` URL, with the project's s3fs settings."""
    if not is_s3(url):
        raise ValueError(f"{url!r} is not an s3:// URL")
    return UPath(url.rstrip("/"), **storage_options())


def bucket_and_key(path: UPath | str) -> tuple[str, str]:
    bucket, _, key = str(path).removeprefix(S3_SCHEME).partition("/")
    return bucket, key


def _advice(exc: BaseException) -> str:
    endpoint = os.environ.get("AWS_ENDPOINT_URL") or "AWS's default endpoint"
    text = str(exc) or type(exc).__name__
    if isinstance(exc, PermissionError):
        return (
            f"{text} (access denied: check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, and "
            f"the key's rights on the bucket)"
        )
    if isinstance(exc, FileNotFoundError) and "bucket" in text.lower():
        return f"{text} (create the bucket at {endpoint}, or fix the URL)"
    if isinstance(exc, FileNotFoundError):
        return f"{text} (no such object)"
    return f"{text} (is the server at {endpoint} running and reachable?)"


@contextlib.contextmanager
def operation(what: str, path: UPath | str) -> Iterator[None]:
    """Raise any failure inside the block as an `ObjectStoreError` naming `what` was done,
    the bucket and the key."""
    try:
        yield
    except ObjectStoreError:
        raise
    except Exception as exc:
        bucket, key = bucket_and_key(path)
        raise ObjectStoreError(
            f"object storage: {what} failed, bucket {bucket!r}, key {key!r}: {_advice(exc)}"
        ) from exc


def put(path: UPath, content: bytes, what: str = "writing") -> None:
    """Write an object whole, in one request (or one multipart upload)."""
    with operation(what, path):
        path.fs.pipe_file(path.path, content)


def get(path: UPath, what: str = "reading") -> bytes:
    with operation(what, path):
        return path.fs.cat_file(path.path)


def exists(path: UPath, what: str = "looking for") -> bool:
    with operation(what, path):
        return path.fs.exists(path.path)


def check_bucket(path: UPath, purpose: str) -> None:
    """Fail now, naming the bucket and what it is for, if the bucket of `path` cannot be
    listed (missing, wrong credentials, server down), rather than on a run's first write."""
    bucket, _ = bucket_and_key(path)
    with operation(f"checking the bucket of the {purpose}", path):
        path.fs.ls(bucket, refresh=True)
