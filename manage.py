#!/usr/bin/env python
from kompeten.cli import main

if __name__ == "__main__":
    main()
