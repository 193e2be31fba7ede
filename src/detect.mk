# (this area has no files yet)
