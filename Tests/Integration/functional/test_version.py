import re
import subprocess


def test_version_names_linked_libzmq(xenarm):
    out = subprocess.run([xenarm, "version"], capture_output=True, text=True, check=True).stdout
    assert re.match(r"xenarm \S+ \(libzmq 4\.\d+\.\d+\)", out), out
