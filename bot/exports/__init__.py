"""Workbooks: the export a business leader reads, the template, and reading a workbook back for import."""
