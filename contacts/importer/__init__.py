"""CSV import of contacts: read the upload, guess the column mapping, check rows, write in chunks.

The flow: `read_csv` turns the uploaded bytes into a `CsvFile` (or refuses it with an
`ImportFileError` a person can act on), `create_job` stores it as an ImportJob with a guessed
mapping, `save_mapping` and `preview` serve the mapping and preview pages, `start_import`
queues the task, and `run_job` (called by the task) imports the rows chunk by chunk. A job that
stops showing progress (its task or its worker lost) is queued again by `recover_stalled`
(beat, every 5 minutes) and goes on after its last written chunk.

Line numbers are the physical line on which a row *starts* in the file, header = line 1, so
they match what a text editor or a spreadsheet shows even when a quoted cell spans lines.

Rows that repeat an email already seen in the file are merged in file order: a later non-empty
cell wins, an empty one keeps the earlier value. The result is the same as importing the rows
one by one, and the contact is counted (and gets a timeline entry) once.
"""

from contacts.importer.engine import CHUNK_SIZE, ContactImporter, recover_stalled, run_job
from contacts.importer.jobs import (
    create_job,
    preview,
    preview_targets,
    sample_records,
    save_mapping,
    start_import,
)
from contacts.importer.mapping import (
    column_choices,
    column_label,
    field_label,
    guess_mapping,
    mapping_problems,
)
from contacts.importer.reading import (
    DELIMITER_LABELS,
    ENCODING_LABELS,
    CsvFile,
    ImportFileError,
    Record,
    decode,
    detect_delimiter,
    read_csv,
)

__all__ = [
    "CHUNK_SIZE",
    "DELIMITER_LABELS",
    "ENCODING_LABELS",
    "ContactImporter",
    "CsvFile",
    "ImportFileError",
    "Record",
    "column_choices",
    "column_label",
    "create_job",
    "decode",
    "detect_delimiter",
    "field_label",
    "guess_mapping",
    "mapping_problems",
    "preview",
    "preview_targets",
    "read_csv",
    "recover_stalled",
    "run_job",
    "sample_records",
    "save_mapping",
    "start_import",
]
