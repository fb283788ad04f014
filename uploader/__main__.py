"""`python -m uploader` runs the command line."""

from uploader.cli import main

if __name__ == "__main__":
    main()
