# Sourced by .ci/run: starts a throwaway PostgreSQL for the store tests and exports UMBRA_TEST_POSTGRES.
#
# The cluster is a fresh initdb in a temporary directory on a free loopback port, so it neither depends on
# nor disturbs a system cluster that may already be running (Debian's "main" on 5432, say). Its data is
# disposable, hence fsync off. umbra_pg_stop (run from .ci/run's EXIT trap) stops it and deletes it.
# When UMBRA_TEST_POSTGRES is already set, that server is used and nothing is started.

umbra_pg_dir=""
umbra_pg_bin=""

umbra_pg_as_owner() {
  # From inside the cluster's directory: the postgres user may not be allowed into the current one.
  if [ "$(id -u)" -eq 0 ]; then
    (cd "$umbra_pg_dir" && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

umbra_pg_find_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1) || true
  if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
    umbra_pg_bin=$dir
  elif command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    umbra_pg_bin=$(dirname "$(readlink -f "$(command -v initdb)")")
  else
    umbra_pg_bin=""
  fi
}

umbra_pg_port_free() {
  # A refused connection means nothing listens there.
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

umbra_pg_start() {
  if [ -n "${UMBRA_TEST_POSTGRES:-}" ]; then
    echo "PostgreSQL: using UMBRA_TEST_POSTGRES from the environment"
    return 0
  fi

  umbra_pg_find_bin
  if [ -z "$umbra_pg_bin" ] && ! command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "PostgreSQL: installing Debian's postgresql package"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    umbra_pg_find_bin
  fi
  if [ -z "$umbra_pg_bin" ]; then
    echo "error: PostgreSQL server binaries (initdb, pg_ctl) not found, even after installing postgresql" >&2
    return 1
  fi

  if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  fi

  umbra_pg_dir=$(mktemp -d /tmp/umbra-pg.XXXXXX)
  local password
  password=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
  if [ "$(id -u)" -eq 0 ]; then
    chown -R postgres: "$umbra_pg_dir"
  fi

  # Superuser "postgres" connects over the private socket only (trust); every TCP login needs a password.
  umbra_pg_as_owner "$umbra_pg_bin/initdb" -D "$umbra_pg_dir/data" -U postgres -E UTF8 --no-locale \
    --auth-local=trust --auth-host=scram-sha-256 >"$umbra_pg_dir/initdb.log" 2>&1 || {
    cat "$umbra_pg_dir/initdb.log" >&2
    echo "error: initdb failed" >&2
    return 1
  }

  # Another process may take a free port between the check and the bind: try the next one then.
  local port="" candidate attempt=0
  for candidate in $(seq 55432 55531); do
    umbra_pg_port_free "$candidate" || continue
    attempt=$((attempt + 1))
    if umbra_pg_as_owner "$umbra_pg_bin/pg_ctl" -D "$umbra_pg_dir/data" -l "$umbra_pg_dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -c port=$candidate -c unix_socket_directories=$umbra_pg_dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
      start >/dev/null; then
      port=$candidate
      break
    fi
    [ "$attempt" -ge 5 ] && break
  done
  if [ -z "$port" ]; then
    cat "$umbra_pg_dir/server.log" >&2 2>/dev/null || true
    echo "error: PostgreSQL did not start on any free port" >&2
    return 1
  fi

  local waited=0
  until "$umbra_pg_bin/pg_isready" -q -h 127.0.0.1 -p "$port"; do
    waited=$((waited + 1))
    if [ "$waited" -ge 60 ]; then
      cat "$umbra_pg_dir/server.log" >&2
      echo "error: PostgreSQL on port $port does not accept connections after 60 s" >&2
      return 1
    fi
    sleep 1
  done

  umbra_pg_as_owner "$umbra_pg_bin/psql" -h "$umbra_pg_dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
    -c "CREATE ROLE umbra_test LOGIN CREATEDB PASSWORD '$password'" \
    -c "CREATE DATABASE umbra_test OWNER umbra_test" || {
    echo "error: could not create the test role and database" >&2
    return 1
  }

  export UMBRA_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=umbra_test;Password=$password;Database=umbra_test"
  echo "PostgreSQL: $("$umbra_pg_bin/postgres" --version | awk '{ print $3 }') on 127.0.0.1:$port (data in $umbra_pg_dir)"
}

umbra_pg_stop() {
  if [ -n "$umbra_pg_dir" ] && [ -d "$umbra_pg_dir/data" ]; then
    umbra_pg_as_owner "$umbra_pg_bin/pg_ctl" -D "$umbra_pg_dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  if [ -n "$umbra_pg_dir" ]; then
    rm -rf "$umbra_pg_dir"
  fi
}
