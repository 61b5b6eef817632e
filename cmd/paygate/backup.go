package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"paygate/sqlite"
)

// backupCommand takes an online copy of a SQLite database, or verifies one.
func backupCommand(ctx context.Context, m *Main, e *environ, stdout io.Writer) *cobra.Command {
	var to, verify string
	backup := &cobra.Command{
		Use:   "backup --to FILE | --verify FILE",
		Short: "Copy a running SQLite database consistently, or check a copy",
		Long: `backup --to FILE copies the SQLite database of --db into FILE, a new file,
while paygate keeps serving: the copy holds every change committed before it
began. Keep the key file (or PAYGATE_MASTER_KEY) with it: stored card data
cannot be read without it. backup --verify FILE checks a copy: SQLite's
integrity check, a schema this build knows, and each payment's refunds.
PostgreSQL is backed up with its own tools (pg_dump, pg_basebackup).`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if (to == "") == (verify == "") {
				return errors.New("give --to FILE (take a backup) or --verify FILE (check one)")
			}
			if verify != "" {
				return verifyBackup(ctx, verify, stdout)
			}
			path, ok := strings.CutPrefix(m.DB, "sqlite:")
			if !ok {
				return errors.New("backup copies a SQLite database (--db sqlite:PATH); back PostgreSQL up with pg_dump or pg_basebackup")
			}
			if err := sqlite.Backup(ctx, path, to); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "backed up %s to %s\n", path, to)
			return verifyBackup(ctx, to, stdout)
		},
	}
	dbFlag(backup, m, e)
	backup.Flags().StringVar(&to, "to", "", "the new file to copy the database into")
	backup.Flags().StringVar(&verify, "verify", "", "a backup file to check")
	return backup
}

func verifyBackup(ctx context.Context, file string, stdout io.Writer) error {
	v, err := sqlite.Verify(ctx, file)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "verified %s: %d merchants, %d payments, %d refunds; refunds add up; schema %d of %d migrations\n",
		file, v.Merchants, v.Payments, v.Refunds, v.Migrations, v.Known)
	if v.Migrations < v.Known {
		fmt.Fprintln(stdout, "the schema is older than this build's: paygate migrate applies the rest after a restore")
	}
	return nil
}
