"""Test harness for the oci-push integration tests.

Everything here drives real programs: Debian's docker-registry (distribution 2.8) on a free
loopback port, skopeo to check what was pushed, umoci to build images with a foreign tool, and
the oci-push binary itself. Only the Python standard library of /usr/bin/python3 is used.
"""
