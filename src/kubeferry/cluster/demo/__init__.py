"""`kubeferry demo`: the continuous-delivery chapter, narrated and checked, on a throw-away cluster.

`steps.py` is the chapter as a script, `session.py` runs it (cluster, proxy, traffic, the
commands), `transcript.py` checks each step's output against `golden.txt` (kubectl 1.37's
wording, volatile values normalised).  The manifests are the chapter's examples.
"""
