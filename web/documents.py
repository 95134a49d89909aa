"""Open311 documents as HTTP responses, in XML (the spec's required format) and JSON.

JSON follows the spec's Spark convention: `<services><service>…` is a list of
objects, `<service_definition>` one object. XML is schemaless, without a
namespace, UTF-8 with its declaration; an empty element stands for no value, and
characters XML 1.0 cannot carry are dropped.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

from aiohttp import web

from mps.open311 import Document

FORMATS = ("xml", "json")
# The element of each member of a list, by the list's element.
ITEMS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "errors": "error",
}
DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def render(document: Document, root: str, fmt: str, status: int = 200) -> web.Response:
    """The document in `fmt` ("json", else XML), with the spec's content type."""
    if fmt == "json":
        body = json.dumps(document, ensure_ascii=False, indent=1)
        content_type = "application/json"
    else:
        body = to_xml(root, document)
        content_type = "text/xml"
    return web.Response(
        body=body.encode(), status=status, content_type=content_type, charset="utf-8"
    )


def to_xml(root: str, document: Document) -> str:
    """The document under its root element, with the XML declaration."""
    element = ET.Element(root)
    _fill(element, root, document)
    ET.indent(element)
    return DECLARATION + ET.tostring(element, encoding="unicode") + "\n"


def _fill(element: ET.Element, name: str, value: object) -> None:
    if isinstance(value, list):
        for member in value:
            child = ET.SubElement(element, ITEMS[name])
            _fill(child, ITEMS[name], member)
    elif isinstance(value, dict):
        for key, field in value.items():
            _fill(ET.SubElement(element, key), key, field)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _NOT_XML.sub("", str(value))
