"""r2bench's exceptions. Each carries the message the command line prints for the same problem."""


class Error(RuntimeError):
    """Any problem r2bench reports (the command line prints it and exits 2)."""


class FileError(Error, OSError):
    """A problem with one file: unreadable, corrupt, of the wrong kind. `filename` names it."""

    def __init__(self, message, filename=None):
        OSError.__init__(self, message)
        self.filename = filename

    def __str__(self):
        return self.args[0]  # the CLI's "<file>: <problem>" (OSError would print "[Errno None] …")


class MissingFileError(FileError, FileNotFoundError):
    """The file or folder does not exist (also caught by `except FileNotFoundError`)."""


class InputError(Error, ValueError):
    """The inputs disagree (missing or extra predictions, sizes, pairs): `problems` lists each one."""

    def __init__(self, message, problems=()):
        super().__init__(message)
        self.problems = list(problems)
