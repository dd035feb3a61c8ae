"""An SMTP server for the lifecycle notice tests, on aiosmtpd (RFC 5321 reference-grade).

Usage: python smtp_sink.py OUT_DIR
Listens on 127.0.0.1 on a free port, prints the port on stdout, and writes each accepted
message to OUT_DIR/<n>.json as {"mail_from", "rcpt_tos", "content"}. A recipient whose
local part is "refuse" is refused with 550 (to test reply-code checking).
"""
import asyncio
import json
import os
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, out_dir):
        self.out_dir = out_dir
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.split("@")[0] == "refuse":
            return "550 5.1.1 mailbox refused by the test server"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        path = os.path.join(self.out_dir, f"{self.count}.json")
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(
                {
                    "mail_from": envelope.mail_from,
                    "rcpt_tos": envelope.rcpt_tos,
                    "content": envelope.original_content.decode("utf-8", "replace"),
                },
                f,
            )
        os.replace(tmp, path)
        return "250 2.0.0 accepted"


async def main():
    loop = asyncio.get_running_loop()
    sink = Sink(sys.argv[1])
    server = await loop.create_server(lambda: SMTP(sink), "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    # Stop when the test closes our stdin (or dies).
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()


asyncio.run(main())
