"""The web app's entry point: `python app/main.py [serve options]` starts what `thesis-qa serve` does.

The app's code is the package `thesis_qa_app` (src/thesis_qa_app), installed with the library.
"""

import sys

from thesis_qa.cli import main

if __name__ == "__main__":
    main(["serve", *sys.argv[1:]])
