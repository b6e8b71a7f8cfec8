"""Reading an uploaded spreadsheet (CSV or XLSX) in a route: the import and the firm panel
take one the same way, with the same messages for no file, an empty file and an unreadable
one."""

from __future__ import annotations

from litestar.datastructures import UploadFile

from participation.i18n import _
from participation.services.importing import Table, UnreadableFile, parse_upload


async def uploaded_table(file: object) -> tuple[str, bytes, Table]:
    """The upload's name, bytes and rows; UnreadableFile with the message to show."""
    if not isinstance(file, UploadFile) or not file.filename:
        raise UnreadableFile(_("Please choose a CSV or XLSX file."))
    content = await file.read()
    if not content:
        raise UnreadableFile(_("The file is empty."))
    return file.filename, content, await parse_upload(file.filename, content)
