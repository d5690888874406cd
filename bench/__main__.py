# Armed before anything imports an app: the models of every app the bench audits must be
# built after paramleak.arm(), and its modules import the registry.
import paramleak

paramleak.arm()

from bench._cli import main  # noqa: E402

raise SystemExit(main())
