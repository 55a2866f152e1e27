/**
 * Routing: the operator API, the four inspected API paths, and pass-through for everything else.
 * Each route returns a Response; nothing falls through to a 5xx.
 */
import { Router, type IRequest } from "itty-router";
import type { ApiFormat } from "../core/types";
import type { GuardContext } from "./context";
import { errorShapeForPath } from "./formats";
import { handleInspected, handleOther } from "./guard";
import { handleOperator } from "./operator-api";
import { handleDashboard } from "./dashboard";

type Args = [Env, ExecutionContext, GuardContext];

const inspected = (format: ApiFormat) => (req: IRequest, env: Env, ctx: ExecutionContext, gc: GuardContext) => handleInspected(req, env, ctx, gc, format, errorShapeForPath(new URL(req.url).pathname));

export const router = Router<IRequest, Args>()
  .all("/_guard/v1/*", handleOperator)
  .all("/_guard", handleDashboard)
  .all("/_guard/", handleDashboard)
  .all("/v1/chat/completions", inspected("openai-chat"))
  .all("/v1/completions", inspected("openai-completions"))
  .all("/v1/responses", inspected("openai-responses"))
  .all("/v1/messages", inspected("anthropic-messages"))
  .all("*", (req, env, ctx, gc) => handleOther(req, env, ctx, gc, errorShapeForPath(new URL(req.url).pathname)));
