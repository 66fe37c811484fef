from sparkq_daemon.main import main

raise SystemExit(main())
