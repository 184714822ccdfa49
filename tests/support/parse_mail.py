#!/usr/bin/python3
"""Reads one message (an .eml written by smtp_sink.py) with Python's email
package and prints it as JSON, for the tests of daemon/notify/mail.h:

    {"headers": [[name, decoded value], ...],   # as email.policy.default reads them
     "rfc2047": [[name, decoded value], ...],   # email.header.decode_header: unfolded,
                                                # whitespace between encoded words
                                                # dropped as RFC 2047 6.2 says (the
                                                # policy's address parser keeps it)
     "defects": ["...", ...],                   # message and header defects found
     "content_type": "multipart/alternative",
     "parts": [{"type": "text/plain", "charset": "utf-8",
                "transfer_encoding": "base64", "text": "..."}, ...]}
"""
import email
import json
import sys
from email import policy
from email.header import decode_header, make_header


def main():
    with open(sys.argv[1], "rb") as f:
        message = email.message_from_bytes(f.read(), policy=policy.default)
    defects = [type(d).__name__ for d in message.defects]
    headers = []
    rfc2047 = [[name, str(make_header(decode_header(raw)))] for name, raw in message.raw_items()]
    for name, value in message.items():
        defects += ["%s: %s" % (name, type(d).__name__) for d in getattr(value, "defects", ())]
        headers.append([name, str(value)])
    parts = []
    for part in message.walk():
        if part.is_multipart():
            defects += [type(d).__name__ for d in part.defects]
            continue
        defects += [type(d).__name__ for d in part.defects]
        parts.append({"type": part.get_content_type(), "charset": part.get_content_charset(),
                      "transfer_encoding": part.get("Content-Transfer-Encoding", ""),
                      "text": part.get_content()})
    json.dump({"headers": headers, "rfc2047": rfc2047, "defects": defects,
               "content_type": message.get_content_type(), "parts": parts},
              sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
