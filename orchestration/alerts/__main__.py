"""`python -m orchestration.alerts`: which alert channels are on, or what is missing;
with `--send-test`, a test alert through each. Exit 2 on a configuration error, 1 if a
test alert could not be delivered."""

from __future__ import annotations

import argparse
import socket
import sys

from orchestration.alerts import messages
from orchestration.alerts.channels import (
    Alert,
    AlertConfigError,
    AlertDeliveryError,
    configured_channels,
)
from orchestration.alerts.sensors import deadline_time, deliver


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.alerts", description=__doc__)
    parser.add_argument("--send-test", action="store_true", help="send a test alert")
    args = parser.parse_args(argv)
    try:
        channels = configured_channels()
        deadline = deadline_time()
    except AlertConfigError as exc:
        print(f"alerts: {exc}", file=sys.stderr)
        return 2
    if not channels:
        print("alerts: off (no channel configured)")
        return 0
    for channel in channels:
        print(f"alerts: {channel.describe()}")
    print(f"alerts: Monday finalize deadline {deadline:%H:%M} Asia/Shanghai")
    if args.send_test:
        body = f"A test alert from compute-weekly on {socket.gethostname()}."
        alert = Alert(f"{messages.SUBJECT_PREFIX} test alert", body)
        try:
            deliver(alert)
        except AlertDeliveryError as exc:
            print(f"alerts: {exc}", file=sys.stderr)
            return 1
        print("alerts: test alert sent")
    return 0


if __name__ == "__main__":
    sys.exit(main())
