# A raw SMTP sink for capturing what keepalived sends (keepalived_smtp_capture.sh): answers 220,
# 250 to EHLO/HELO/MAIL/RCPT/RSET, 354 to DATA, 250 after the message and 221 to QUIT, logs every
# line it receives (repr) to LOG and writes each connection's DATA bytes, terminator included,
# unchanged to DIR/<connection>.eml.
#   raw_smtp_sink.py HOST PORT LOG DIR
import asyncio
import os
import sys

host, port, log_path, out_dir = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
count = 0


async def handle(reader, writer):
    try:
        await converse(reader, writer)
    except (ConnectionError, OSError):
        pass  # a readiness probe, or a client that went away
    writer.close()


async def converse(reader, writer):
    global count
    count += 1
    me = count
    log = open(log_path, "a")

    def note(text):
        log.write(f"{me} {text}\n")
        log.flush()

    note("CONNECT")
    writer.write(b"220 sink ESMTP\r\n")
    in_data = False
    while True:
        try:
            line = await reader.readline()
        except Exception as e:  # a client that resets
            note("ERR " + repr(e))
            break
        if not line:
            note("EOF")
            break
        note("C: " + repr(line))
        if in_data:
            with open(os.path.join(out_dir, f"{me}.eml"), "ab") as f:
                f.write(line)
            if line == b".\r\n":
                in_data = False
                writer.write(b"250 OK queued\r\n")
            continue
        verb = line[:4].upper()
        if verb == b"EHLO":
            writer.write(b"250-sink\r\n250 8BITMIME\r\n")
        elif verb in (b"HELO", b"MAIL", b"RCPT", b"RSET", b"NOOP"):
            writer.write(b"250 OK\r\n")
        elif verb == b"DATA":
            in_data = True
            writer.write(b"354 go\r\n")
        elif verb == b"QUIT":
            writer.write(b"221 bye\r\n")
            await writer.drain()
            break
        else:
            writer.write(b"500 what\r\n")
        await writer.drain()


async def main():
    server = await asyncio.start_server(handle, host, port)
    async with server:
        await server.serve_forever()


asyncio.run(main())
