from gis_core.cli import main

main()
