from openapi_tool.cli import main

raise SystemExit(main())
