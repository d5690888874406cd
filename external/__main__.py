from external._cli import main

raise SystemExit(main())
