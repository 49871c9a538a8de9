"""Serves the JupyterLab 3.6.8 front end built in build/ (npm ci && npm run build) on Debian's jupyter_server
and jupyterlab_server, as JupyterLab's examples/app does:

    /usr/bin/python3 lab_app.py --port 8888 --ServerApp.token=TOKEN --allow-root --no-browser

then open http://127.0.0.1:8888/lab?token=TOKEN. The notebooks come from --ServerApp.root_dir.
"""
import json
import os

from jupyterlab_server import LabServerApp

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.environ.get("LESSR_LAB_BUILD", os.path.join(HERE, "build"))

with open(os.path.join(HERE, "package.json")) as f:
    VERSION = json.load(f)["version"]


def _jupyter_server_extension_points():
    return [{"module": __name__, "app": LessrLab}]


class LessrLab(LabServerApp):
    name = __name__
    extension_url = "/lab"
    app_url = "/lab"
    default_url = "/lab"
    load_other_extensions = False
    app_name = "JupyterLab"
    app_version = VERSION
    app_settings_dir = os.path.join(BUILD, "application_settings")
    schemas_dir = os.path.join(BUILD, "schemas")
    static_dir = BUILD
    templates_dir = os.path.join(HERE, "templates")
    themes_dir = os.path.join(BUILD, "themes")
    user_settings_dir = os.path.join(BUILD, "user_settings")
    workspaces_dir = os.path.join(BUILD, "workspaces")


if __name__ == "__main__":
    LessrLab.launch_instance()
