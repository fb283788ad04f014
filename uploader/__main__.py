"""`python -m uploader` runs the command line."""

from uploader.cli import run

if __name__ == "__main__":
    run()
