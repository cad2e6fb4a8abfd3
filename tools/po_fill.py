"""Fill empty msgstr entries of the zh catalogue from a JSON {msgid: msgstr} file (a translator's aid)."""
import json
import sys

from babel.messages.pofile import read_po, write_po

PO = "translations/zh/LC_MESSAGES/messages.po"


def main(path: str) -> None:
    with open(path, encoding="utf-8") as handle:
        translations = json.load(handle)
    with open(PO, "rb") as handle:
        catalog = read_po(handle)
    filled = 0
    for message in catalog:
        if message.id and not message.string and message.id in translations:
            message.string = translations[message.id]
            filled += 1
    with open(PO, "wb") as handle:
        write_po(handle, catalog, width=76, sort_by_file=True)
    missing = [m.id for m in catalog if m.id and not m.string]
    print(f"filled {filled}; still empty {len(missing)}")
    for msgid in missing:
        print(repr(msgid))


if __name__ == "__main__":
    main(sys.argv[1])
