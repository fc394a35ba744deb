"""Text utilities: normalization with an offset map, segmentation, lexicons."""
