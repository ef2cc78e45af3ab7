"""`python -m rnn_zoo ...` runs the `rnn-zoo` command line (see rnn_zoo.cli)."""

from rnn_zoo.cli import entry_point

if __name__ == "__main__":
    entry_point()
