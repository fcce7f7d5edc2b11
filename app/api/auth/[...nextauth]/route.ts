import NextAuth from "next-auth";
import { authOptions } from "@/lib/auth/options";

type Ctx = { params: Promise<{ nextauth: string[] }> };

// next-auth v4 reads params synchronously; Next 16 hands them over as a promise.
async function handler(req: Request, ctx: Ctx) {
  const params = await ctx.params;
  return (NextAuth(authOptions()) as (req: Request, ctx: { params: { nextauth: string[] } }) => Promise<Response>)(req, { params });
}

export { handler as GET, handler as POST };
