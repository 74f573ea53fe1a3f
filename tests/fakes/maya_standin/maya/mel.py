"""Stand-in for maya.mel: understands the few MEL calls brm's scripts make, parsing their
string arguments with MEL's escaping rules so a badly quoted argument fails here as in Maya."""

import os

from maya import _session


class MelError(RuntimeError):
    pass


def _parse_call(text):
    """`name(arg, ...)` or `name arg ...;` -> (name, [args]); strings unescaped MEL-style."""
    s = text.strip().rstrip(";").strip()
    i = 0
    while i < len(s) and (s[i].isalnum() or s[i] == "_"):
        i += 1
    name = s[:i]
    rest = s[i:].strip()
    if rest.startswith("(") and rest.endswith(")"):
        rest = rest[1:-1]
    args = []
    j = 0
    while j < len(rest):
        c = rest[j]
        if c in " ,\t":
            j += 1
            continue
        if c == '"':
            j += 1
            buf = []
            while True:
                if j >= len(rest):
                    raise MelError("// Error: Line 1.%d: Unterminated string." % j)
                c = rest[j]
                if c == "\\":
                    nxt = rest[j + 1] if j + 1 < len(rest) else ""
                    buf.append({"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}.get(nxt, nxt))
                    j += 2
                    continue
                if c == '"':
                    j += 1
                    break
                buf.append(c)
                j += 1
            args.append("".join(buf))
            continue
        if c == "{":
            end = rest.index("}", j)
            args.append([int(v) for v in rest[j + 1 : end].split(",") if v.strip()])
            j = end + 1
            continue
        k = j
        while k < len(rest) and rest[k] not in " ,\t":
            k += 1
        token = rest[j:k]
        try:
            args.append(int(token))
        except ValueError:
            raise MelError("// Error: Line 1.%d: Syntax error near %r" % (j, token))
        j = k
    return name, args


def eval(command):
    _session.record("mel.eval", [command], {})
    _session.require_initialized()
    name, args = _parse_call(command)
    _session.record("mel.call", [name] + args, {})
    if name == "redshiftSelectCudaDevices":
        devices = args[0] if args else []
        visible = os.environ.get("CUDA_VISIBLE_DEVICES")
        count = len([v for v in visible.split(",") if v.strip()]) if visible else 4
        for d in devices:
            if d < 0 or d >= count:
                # Deadline MayaPype.py HandleRedshiftGPUAffinityError line shape.
                print("// Error: file: redshiftSelectCudaDevices.mel line 47: Invalid device id: %d" % d)
                raise MelError("Invalid device id: %d" % d)
        return None
    if name == "mayaBatchRenderProcedure":
        if len(args) != 5:
            raise MelError("// Error: Wrong number of arguments on call to mayaBatchRenderProcedure.")
        renderer = args[3] or None
        _session.render(renderer, None)
        return None
    return None
