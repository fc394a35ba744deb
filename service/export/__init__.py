"""Exports of a draft: a Word file in 公文 layout (GB/T 9704-2012)."""
