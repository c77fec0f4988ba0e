// npm run bench:setup — makes /usr/bin/python3 able to run the Python side of the
// benchmarks (bench/python/*): Debian's python3 and python3-uvloop, from apt.
// Idempotent: when uvloop already imports it only says so. Installs only as root;
// otherwise it prints the command to run with sudo and exits 1.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const PYTHON = "/usr/bin/python3";
const PACKAGES = ["python3", "python3-uvloop"];
const INSTALL = `apt-get install -y --no-install-recommends ${PACKAGES.join(" ")}`;

/** The uvloop version /usr/bin/python3 imports, or null. */
function uvloopVersion() {
  if (!existsSync(PYTHON)) return null;
  const r = spawnSync(PYTHON, ["-c", "import uvloop; print(uvloop.__version__)"], {
    encoding: "utf8",
  });
  return r.status === 0 ? r.stdout.trim() : null;
}

function run(command, args) {
  console.log(`$ ${command} ${args.join(" ")}`);
  const r = spawnSync(command, args, {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    console.error(`bench:setup: \`${command} ${args.join(" ")}\` exited with ${r.status ?? r.signal}`);
    process.exit(1);
  }
}

const installed = uvloopVersion();
if (installed) {
  console.log(`python3 with uvloop ${installed} is installed`);
  process.exit(0);
}

if (process.platform !== "linux" || !existsSync("/usr/bin/apt-get")) {
  console.error(
    `bench:setup: ${PYTHON} cannot import uvloop and there is no apt-get here.\n` +
      `Install Python 3 with uvloop as ${PYTHON} by other means (the Python benchmarks need it).`,
  );
  process.exit(1);
}

if (process.getuid?.() !== 0) {
  console.error(
    `bench:setup: ${PYTHON} cannot import uvloop; installing it needs root. Run:\n\n` +
      `  sudo sh -c 'apt-get update && DEBIAN_FRONTEND=noninteractive ${INSTALL}'\n`,
  );
  process.exit(1);
}

run("apt-get", ["update"]);
run("apt-get", INSTALL.split(" ").slice(1));

const version = uvloopVersion();
if (!version) {
  console.error(`bench:setup: installed ${PACKAGES.join(" ")}, but ${PYTHON} still cannot import uvloop`);
  process.exit(1);
}
console.log(`python3 with uvloop ${version} is installed`);
