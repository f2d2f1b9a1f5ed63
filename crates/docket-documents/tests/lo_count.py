#!/usr/bin/python3
"""LibreOffice Writer as a word-count oracle for Docket's tests.

Usage: /usr/bin/python3 lo_count.py FILE...   (Debian's python3, which has the `uno` module)

Starts one headless soffice on a private pipe with a throwaway profile, loads each file Hidden
and ReadOnly, switches off the header and footer of every page style (LibreOffice counts them,
Microsoft Word does not), and prints one line per file: `<count>\t<path>`, or `ERROR\t<path>\t<why>`.
Tracked changes are shown as accepted (deletions hidden), as Word's count does.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

import uno
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def main(paths):
    profile = tempfile.mkdtemp(prefix="docket-lo-profile-")
    pipe = "docket_oracle_%d" % os.getpid()
    soffice = subprocess.Popen(
        [
            "soffice", "--headless", "--invisible", "--nologo", "--norestore",
            "--nodefault", "--nolockcheck",
            "-env:UserInstallation=file://" + profile,
            "--accept=pipe,name=%s;urp;StarOffice.ComponentContext" % pipe,
        ],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local)
        ctx = None
        for _ in range(600):
            try:
                ctx = resolver.resolve(
                    "uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe)
                break
            except Exception:
                if soffice.poll() is not None:
                    raise SystemExit("soffice exited with %s" % soffice.returncode)
                time.sleep(0.1)
        if ctx is None:
            raise SystemExit("soffice did not start")
        desktop = ctx.ServiceManager.createInstanceWithContext(
            "com.sun.star.frame.Desktop", ctx)
        for path in paths:
            url = uno.systemPathToFileUrl(os.path.abspath(path))
            try:
                doc = desktop.loadComponentFromURL(
                    url, "_blank", 0, (prop("Hidden", True), prop("ReadOnly", True)))
            except Exception as e:  # noqa: BLE001 - any failure is reported per file
                print("ERROR\t%s\t%s" % (path, e), flush=True)
                continue
            if doc is None:
                print("ERROR\t%s\tnot loaded" % path, flush=True)
                continue
            try:
                if not hasattr(doc, "getText"):
                    print("ERROR\t%s\tnot a text document" % path, flush=True)
                    continue
                try:
                    # Word counts the text with tracked changes accepted: hide deletions.
                    doc.setPropertyValue("RedlineDisplayType", 2)
                except Exception:
                    pass
                families = doc.getStyleFamilies()
                pages = families.getByName("PageStyles")
                for name in pages.getElementNames():
                    style = pages.getByName(name)
                    # Empty every header and footer text first (a header shared by several
                    # page styles outlives switching it off in one of them), then switch off.
                    for part in ("Header", "Footer"):
                        for variant in ("Text", "TextLeft", "TextRight", "TextFirst"):
                            try:
                                text = style.getPropertyValue(part + variant)
                                if text is not None:
                                    text.setString("")
                            except Exception:
                                pass
                    for p in ("HeaderIsOn", "FooterIsOn"):
                        try:
                            if style.getPropertyValue(p):
                                style.setPropertyValue(p, False)
                        except Exception:
                            pass
                print("%d\t%s" % (doc.getPropertyValue("WordCount"), path), flush=True)
            finally:
                doc.close(True)
    finally:
        try:
            desktop.terminate()
        except Exception:
            pass
        try:
            soffice.wait(timeout=20)
        except Exception:
            soffice.kill()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
