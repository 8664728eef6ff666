"""Server-rendered pages: plain HTML forms, served by the app itself."""
