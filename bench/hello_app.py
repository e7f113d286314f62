"""The bare Flask app the portal's page speed is compared with, served by the same gunicorn."""

from flask import Flask

app = Flask(__name__)
#: As many bytes as the questionnaire page: what sending the page costs without making it
#: (bench/cpu.py).
PAGE_SIZED = "<p>" + "x" * 3670 + "</p>"


@app.get("/")
def hello() -> str:
    return "Hello"


@app.get("/page-sized")
def page_sized() -> str:
    return PAGE_SIZED
