"""The desktop shell: a thin process that runs the Hearth server as a child and shows it in a window.

It never imports gevent: pywebview hangs in a monkey-patched process.
"""
