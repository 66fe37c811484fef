"""A stand-in for an LLM command line: prints what it was given as its answer."""

import sys

args = sys.argv[1:]
if args[:1] == ["--file"]:
    with open(args[1], encoding="utf-8") as f:
        print("FILE:" + f.read())
elif args[:1] == ["--prompt"]:
    print("PROMPT:" + args[1])
else:
    print("STDIN:" + sys.stdin.read())
