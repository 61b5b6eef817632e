package main

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"paygate"
	"paygate/gateway"
)

func userCommand(ctx context.Context, m *Main, e *environ) *cobra.Command {
	var merchantID, email, role, baseURL string
	var operator bool
	user := &cobra.Command{Use: "user", Short: "Manage dashboard users"}
	create := &cobra.Command{
		Use:   "create --email E (--merchant ID --role admin|developer|viewer | --operator)",
		Short: "Create a dashboard user and print, as JSON, the one-time link that sets its password (good for 72 hours)",
		RunE: func(c *cobra.Command, _ []string) error {
			r := paygate.Role(role)
			if operator {
				if c.Flags().Changed("role") {
					return errors.New("--operator and --role together: an operator has no other role")
				}
				r = paygate.RoleOperator
			}
			m.BaseURL = baseURL
			return m.CreateUser(ctx, merchantID, email, r)
		},
	}
	create.Flags().StringVar(&merchantID, "merchant", "", "the merchant id the user belongs to")
	create.Flags().StringVar(&email, "email", "", "the user's email address, with which they sign in")
	create.Flags().StringVar(&role, "role", "viewer", "admin (everything), developer (no money actions) or viewer (read only)")
	create.Flags().BoolVar(&operator, "operator", false, "one of the provider's staff, who sees every merchant")
	create.MarkFlagRequired("email")
	reset := &cobra.Command{
		Use:   "reset-password --email E",
		Short: "Print a new one-time link that sets the user's password (the old password works until it is used)",
		RunE: func(c *cobra.Command, _ []string) error {
			m.BaseURL = baseURL
			return m.ResetPassword(ctx, email)
		},
	}
	reset.Flags().StringVar(&email, "email", "", "the user's email address")
	reset.MarkFlagRequired("email")
	del := &cobra.Command{
		Use:   "delete --email E",
		Short: "Delete a dashboard user; its sessions end at once",
		RunE: func(c *cobra.Command, _ []string) error {
			return m.users(ctx, func(us *gateway.Users) error {
				u, err := us.DeleteUser(ctx, email)
				if err != nil {
					return err
				}
				return json.NewEncoder(m.Stdout).Encode(map[string]string{"deleted": u.Email, "userId": u.ID})
			})
		},
	}
	del.Flags().StringVar(&email, "email", "", "the user's email address")
	del.MarkFlagRequired("email")
	setRole := &cobra.Command{
		Use:   "set-role --email E --role admin|developer|viewer",
		Short: "Give a merchant's user another role, from its next page on",
		RunE: func(c *cobra.Command, _ []string) error {
			return m.users(ctx, func(us *gateway.Users) error {
				u, err := us.SetRole(ctx, email, paygate.Role(role))
				if err != nil {
					return err
				}
				return json.NewEncoder(m.Stdout).Encode(map[string]string{"email": u.Email, "role": string(u.Role)})
			})
		},
	}
	setRole.Flags().StringVar(&email, "email", "", "the user's email address")
	setRole.Flags().StringVar(&role, "role", "", "admin, developer or viewer")
	setRole.MarkFlagRequired("email")
	setRole.MarkFlagRequired("role")
	for _, c := range []*cobra.Command{del, setRole} {
		dbFlag(c, m, e)
		user.AddCommand(c)
	}
	for _, c := range []*cobra.Command{create, reset} {
		dbFlag(c, m, e)
		// Not m.BaseURL itself: a flag's default is written to its variable
		// when the flag is made, and serve's --base-url has another.
		c.Flags().StringVar(&baseURL, "base-url", e.str("PAYGATE_BASE_URL", "http://127.0.0.1:8080"),
			"public URL of the server, the link's start (PAYGATE_BASE_URL)")
		user.AddCommand(c)
	}
	return user
}

// users opens the database and calls f with the users' service.
func (m *Main) users(ctx context.Context, f func(*gateway.Users) error) error {
	s, v, err := m.openKeyed(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	m.URL = strings.TrimRight(m.BaseURL, "/")
	return f(m.newGateway(s, v).Users)
}

// userView is what user create and reset-password print.
type userView struct {
	UserID     string    `json:"userId"`
	Email      string    `json:"email"`
	MerchantID string    `json:"merchantId,omitempty"`
	Role       string    `json:"role"`
	SetupURL   string    `json:"setPasswordUrl"`
	ValidUntil time.Time `json:"setPasswordUrlValidUntil"`
}

func (m *Main) printUser(nu *gateway.NewUser) error {
	u := nu.User
	return json.NewEncoder(m.Stdout).Encode(userView{UserID: u.ID, Email: u.Email, MerchantID: u.MerchantID, Role: string(u.Role),
		SetupURL: nu.SetupURL, ValidUntil: *u.SetupUntil})
}

// CreateUser creates a dashboard user and prints its set-password link.
func (m *Main) CreateUser(ctx context.Context, merchantID, email string, role paygate.Role) error {
	return m.users(ctx, func(us *gateway.Users) error {
		nu, err := us.CreateUser(ctx, merchantID, email, role)
		if err != nil {
			return err
		}
		return m.printUser(nu)
	})
}

// ResetPassword prints a new set-password link for a user.
func (m *Main) ResetPassword(ctx context.Context, email string) error {
	return m.users(ctx, func(us *gateway.Users) error {
		nu, err := us.ResetPassword(ctx, email)
		if err != nil {
			return err
		}
		return m.printUser(nu)
	})
}
