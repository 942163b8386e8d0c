import os

# openpyxl reads workbooks with lxml when lxml is installed (python-docx brings it), and then lets a
# workbook's entity declarations through unrefused; without it, openpyxl parses with defusedxml, which
# refuses them. Read here, first, because openpyxl decides once, when it is imported.
os.environ.setdefault("OPENPYXL_LXML", "False")
