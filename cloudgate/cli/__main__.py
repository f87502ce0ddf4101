from cloudgate.cli.main import app

app(prog_name="cloudgate")
