"""Entry point for `flask --app run` and WSGI servers."""
import gc

from app import create_app

app = create_app()
# What start-up built (modules, FAB's views and menus, the models' metadata) lives as long as the process. Frozen,
# it is left out of the collector's full passes, which otherwise walk it all whenever a request allocates much
# (a province's report: a 120 ms pause every few requests, measured on /ce-compliance/ at 1,000,000 persons).
gc.freeze()

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5000)
