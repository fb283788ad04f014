"""`nekobt-upload upload PATH...`"""

from uploader.commands._release_options import release_command

command = release_command("upload", "upload", """\
Build, check and upload each PATH (a file, or a folder for a batch), then exit.

Exit codes: 0 all uploaded or already on the site, 1 any rejected or failed,
2 usage or configuration error, 3 API key missing or refused, 130 interrupted.""", seeds=True)
