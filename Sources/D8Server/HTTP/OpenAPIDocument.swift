// docs/openapi.yaml, byte for byte (OpenAPITests checks): the document `GET /openapi.yaml` serves.
// Edit docs/openapi.yaml, then paste it here between the delimiters.
enum OpenAPIDocument {
    static let yaml = #"""
openapi: 3.1.0
info:
  title: d8 orchestrator
  version: "1.0"
  summary: The HTTP API of d8, a D8-compatible LLM task gateway.
  description: |
    JSON everywhere. Every refusal is a 4xx (503 only when a queue is full or the orchestrator
    is stopping) with the body `{"error": "<in words>", "code": "<stable code>"}`; bad input is
    never a 5xx. Times are Unix epoch seconds (floats); priorities are integers from 1 (low) to
    10 (urgent), default 5.

    Auth: with `auth.client_keys` and `auth.worker_token` in the config, clients send
    `Authorization: Bearer <client key>` and workers `Authorization: Bearer <worker token>`.
    A missing or wrong secret is a 401, the other role's secret a 403. A role whose secret is
    not configured is open. `/health` and `/openapi.yaml` are always open.
servers:
  - url: http://127.0.0.1:7001
security:
  - clientKey: []
tags:
  - name: open
  - name: client
  - name: worker

paths:
  /health:
    get:
      tags: [open]
      summary: Liveness and live counts.
      operationId: health
      security: []
      responses:
        "200":
          description: The orchestrator is serving.
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Health" }

  /openapi.yaml:
    get:
      tags: [open]
      summary: This document.
      operationId: openapi
      security: []
      responses:
        "200":
          description: The OpenAPI document of the API.
          content:
            application/yaml:
              schema: { type: string }

  /api/stats:
    get:
      tags: [client]
      summary: Counts of workers and tasks, per task type and worker type, and budgets.
      operationId: stats
      responses:
        "200":
          description: The statistics.
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Stats" }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "403": { $ref: "#/components/responses/Forbidden" }
        "503": { $ref: "#/components/responses/Unavailable" }

  /api/workers/stats:
    get:
      tags: [client]
      summary: D8's alias of /api/stats.
      operationId: workerStats
      responses:
        "200":
          description: The statistics.
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Stats" }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "403": { $ref: "#/components/responses/Forbidden" }
        "503": { $ref: "#/components/responses/Unavailable" }

  /api/workers/register:
    post:
      tags: [worker]
      summary: Registers a worker, or starts it afresh (what it held goes back to the queue).
      operationId: registerWorker
      security:
        - workerToken: []
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [worker_id, worker_type]
              properties:
                worker_id: { type: string, minLength: 1, example: w1 }
                worker_type: { type: string, minLength: 1, description: A worker type of the config., example: echo }
                capabilities:
                  type: object
                  description: Free-form; `slots` (1 to 4096) and the plugin's prices are read from it.
                  properties:
                    slots: { type: integer, minimum: 1, maximum: 4096 }
                  example: { slots: 2 }
      responses:
        "200":
          description: Registered.
          content:
            application/json:
              schema:
                type: object
                properties:
                  status: { const: registered }
                  worker_id: { type: string }
                  worker_type: { type: string }
                  slots: { type: integer }
                  task_types: { type: array, items: { type: string } }
                  heartbeat_interval_s: { type: number }
                  worker_timeout_s: { type: number }
                  task_timeout_s: { type: number }
        "400": { $ref: "#/components/responses/BadRequest" }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "403": { $ref: "#/components/responses/Forbidden" }
        "413": { $ref: "#/components/responses/TooLarge" }
        "415": { $ref: "#/components/responses/UnsupportedMediaType" }
        "422": { $ref: "#/components/responses/Unprocessable" }
        "503": { $ref: "#/components/responses/Unavailable" }

  /api/workers/{worker_id}/heartbeat:
    post:
      tags: [worker]
      summary: Keeps a worker alive; any request from a worker counts as one too.
      operationId: heartbeat
      security:
        - workerToken: []
      parameters:
        - $ref: "#/components/parameters/WorkerID"
      responses:
        "200":
          description: Alive.
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Status" }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "403": { $ref: "#/components/responses/Forbidden" }
        "404": { $ref: "#/components/responses/UnknownWorker" }

  /api/workers/{worker_id}/tasks:
    get:
      tags: [worker]
      summary: Leases tasks; a long-poll with `wait`, a batch with `max`.
      operationId: pollTasks
      security:
        - workerToken: []
      parameters:
        - $ref: "#/components/parameters/WorkerID"
        - name: wait
          in: query
          description: Seconds to wait for a task, capped by `queue.max_long_poll`; default 0.
          schema: { type: number, minimum: 0, example: 0 }
        - name: max
          in: query
          description: Up to this many tasks at once, answered in `tasks` as well; default 1.
          schema: { type: integer, minimum: 1, maximum: 1000, example: 2 }
      responses:
        "200":
          description: The first leased task or null, and with `max` all of them.
          content:
            application/json:
              schema:
                type: object
                required: [task]
                properties:
                  task:
                    oneOf:
                      - $ref: "#/components/schemas/LeasedTask"
                      - type: "null"
                  tasks:
                    type: array
                    items: { $ref: "#/components/schemas/LeasedTask" }
        "400": { $ref: "#/components/responses/BadRequest" }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "403": { $ref: "#/components/responses/Forbidden" }
        "404": { $ref: "#/components/responses/UnknownWorker" }

  /api/workers/{worker_id}/unregister:
    post:
      tags: [worker]
      summary: Removes a worker; its leased tasks go back to the queue.
      operationId: unregister
      security:
        - workerToken: []
      parameters:
        - $ref: "#/components/parameters/WorkerID"
      responses:
        "200":
          description: Unregistered.
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Status" }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "403": { $ref: "#/components/responses/Forbidden" }
        "404": { $ref: "#/components/responses/UnknownWorker" }

  /api/workers/{worker_id}/results:
    post:
      tags: [worker]
      summary: Many results of one worker in one request and one commit. Each result gets the outcome the single result endpoint would have given it; a stale one refuses only itself.
      operationId: results
      security:
        - workerToken: []
      parameters:
        - $ref: "#/components/parameters/WorkerID"
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: "#/components/schemas/ResultBatch" }
      responses:
        "200":
          description: An outcome per result, in the order sent.
          content:
            application/json:
              schema:
                type: object
                required: [results, received]
                properties:
                  received: { type: integer, description: Results recorded (or recognised as repeats). }
                  results:
                    type: array
                    items:
                      type: object
                      required: [task_id, status]
                      properties:
                        task_id: { type: string }
                        status: { type: string, enum: [received, duplicate, refused] }
                        http_status: { type: integer, description: "For a refused result: the status the single endpoint would have answered (404, 409)." }
                        code: { type: string }
                        error: { type: string }
        "400": { $ref: "#/components/responses/BadRequest" }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "403": { $ref: "#/components/responses/Forbidden" }
        "413": { $ref: "#/components/responses/TooLarge" }
        "415": { $ref: "#/components/responses/UnsupportedMediaType" }

  /api/workers/unregister:
    post:
      tags: [worker]
      summary: D8's form of unregister, with the worker in the body.
      operationId: legacyUnregister
      security:
        - workerToken: []
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [worker_id]
              properties:
                worker_id: { type: string, minLength: 1, example: w1 }
      responses:
        "200":
          description: Unregistered.
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Status" }
        "400": { $ref: "#/components/responses/BadRequest" }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "403": { $ref: "#/components/responses/Forbidden" }
        "404": { $ref: "#/components/responses/UnknownWorker" }
        "413": { $ref: "#/components/responses/TooLarge" }
        "415": { $ref: "#/components/responses/UnsupportedMediaType" }

  /api/workers/list:
    get:
      tags: [client]
      summary: The registered workers.
      operationId: listWorkers
      responses:
        "200":
          description: The workers.
          content:
            application/json:
              schema:
                type: object
                properties:
                  workers:
                    type: array
                    items:
                      type: object
                      properties:
                        worker_id: { type: string }
                        worker_type: { type: string }
                        status: { type: string, description: "idle, busy or dead" }
                        last_heartbeat: { type: number }
                        registered_at: { type: number }
                        slots: { type: integer }
                        busy_slots: { type: integer }
                        tasks_completed: { type: integer }
                        tasks_failed: { type: integer }
                        capabilities: { type: object }
                  total: { type: integer }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "403": { $ref: "#/components/responses/Forbidden" }

  /api/workers/results:
    post:
      tags: [worker]
      summary: D8's form of reporting a result, with the task in the body.
      operationId: legacyResult
      security:
        - workerToken: []
      requestBody:
        required: true
        content:
          application/json:
            schema:
              allOf:
                - $ref: "#/components/schemas/ResultReport"
                - type: object
                  required: [task_id]
                  properties:
                    task_id: { type: string, minLength: 1, example: t1 }
      responses:
        "200": { $ref: "#/components/responses/ResultReceived" }
        "400": { $ref: "#/components/responses/BadRequest" }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "403": { $ref: "#/components/responses/Forbidden" }
        "404": { $ref: "#/components/responses/NotFound" }
        "409": { $ref: "#/components/responses/Conflict" }
        "413": { $ref: "#/components/responses/TooLarge" }
        "415": { $ref: "#/components/responses/UnsupportedMediaType" }

  /api/tasks/submit:
    post:
      tags: [client]
      summary: Submits a task; 201 only once it is durable. A repeated idempotency key answers 200 with the first task.
      operationId: submit
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: "#/components/schemas/Submission" }
      responses:
        "201":
          description: Accepted and stored.
          content:
            application/json:
              schema: { $ref: "#/components/schemas/SubmitAnswer" }
        "200":
          description: The task of an idempotency key already used.
          content:
            application/json:
              schema: { $ref: "#/components/schemas/SubmitAnswer" }
        "400": { $ref: "#/components/responses/BadRequest" }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "403": { $ref: "#/components/responses/Forbidden" }
        "409": { $ref: "#/components/responses/Conflict" }
        "413": { $ref: "#/components/responses/TooLarge" }
        "415": { $ref: "#/components/responses/UnsupportedMediaType" }
        "422": { $ref: "#/components/responses/Unprocessable" }
        "503": { $ref: "#/components/responses/Unavailable" }

  /api/tasks/batch:
    post:
      tags: [client]
      summary: Submits 1 to 10000 tasks at once, all or none.
      operationId: batch
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [tasks]
              properties:
                tasks:
                  type: array
                  minItems: 1
                  maxItems: 10000
                  items: { $ref: "#/components/schemas/Submission" }
                  example: [{ type: echo, data: { prompt: hi } }]
      responses:
        "201":
          description: All stored.
          content:
            application/json:
              schema:
                type: object
                properties:
                  task_ids: { type: array, items: { type: string } }
                  count: { type: integer }
                  status: { const: submitted }
        "400": { $ref: "#/components/responses/BadRequest" }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "403": { $ref: "#/components/responses/Forbidden" }
        "409": { $ref: "#/components/responses/Conflict" }
        "413": { $ref: "#/components/responses/TooLarge" }
        "415": { $ref: "#/components/responses/UnsupportedMediaType" }
        "422": { $ref: "#/components/responses/Unprocessable" }
        "503": { $ref: "#/components/responses/Unavailable" }

  /api/tasks/status/{task_id}:
    get:
      tags: [client]
      summary: A task; with `wait` a long-poll answered as soon as it is finished.
      operationId: status
      parameters:
        - $ref: "#/components/parameters/TaskID"
        - name: wait
          in: query
          description: Seconds to wait for the task to finish, capped by `queue.max_long_poll`.
          schema: { type: number, minimum: 0, example: 0 }
      responses:
        "200":
          description: The task.
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Task" }
        "400": { $ref: "#/components/responses/BadRequest" }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "403": { $ref: "#/components/responses/Forbidden" }
        "404": { $ref: "#/components/responses/NotFound" }

  /api/tasks/{task_id}/cancel:
    post:
      tags: [client]
      summary: Cancels a task that is not finished; a finished one is answered as it is.
      operationId: cancel
      parameters:
        - $ref: "#/components/parameters/TaskID"
      responses:
        "200":
          description: The task after the cancel.
          content:
            application/json:
              schema: { $ref: "#/components/schemas/Task" }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "403": { $ref: "#/components/responses/Forbidden" }
        "404": { $ref: "#/components/responses/NotFound" }
        "503": { $ref: "#/components/responses/Unavailable" }

  /api/tasks/{task_id}/result:
    post:
      tags: [worker]
      summary: A worker's result. Only the holder of the current lease may report; a stale or foreign lease is a 409 and changes nothing.
      operationId: result
      security:
        - workerToken: []
      parameters:
        - $ref: "#/components/parameters/TaskID"
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: "#/components/schemas/ResultReport" }
      responses:
        "200": { $ref: "#/components/responses/ResultReceived" }
        "400": { $ref: "#/components/responses/BadRequest" }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "403": { $ref: "#/components/responses/Forbidden" }
        "404": { $ref: "#/components/responses/NotFound" }
        "409": { $ref: "#/components/responses/Conflict" }
        "413": { $ref: "#/components/responses/TooLarge" }
        "415": { $ref: "#/components/responses/UnsupportedMediaType" }

  /api/tasks/queue:
    get:
      tags: [client]
      summary: Pending tasks in dispatch order, and counts per task type.
      operationId: queue
      parameters:
        - name: limit
          in: query
          description: At most this many tasks (clamped to 0...10000); default 100.
          schema: { type: integer, minimum: 0, maximum: 10000, example: 10 }
      responses:
        "200":
          description: The queue.
          content:
            application/json:
              schema:
                type: object
                properties:
                  tasks:
                    type: array
                    items:
                      type: object
                      properties:
                        task_id: { type: string }
                        type: { type: string }
                        priority: { type: integer }
                        effective_priority: { type: integer }
                        created_at: { type: number }
                        attempt: { type: integer }
                        retry_at: { type: [number, "null"] }
                  total: { type: integer }
                  by_type: { type: object, additionalProperties: { type: integer } }
        "401": { $ref: "#/components/responses/Unauthorized" }
        "403": { $ref: "#/components/responses/Forbidden" }

components:
  securitySchemes:
    clientKey:
      type: http
      scheme: bearer
      description: A client key of `auth.client_keys`.
    workerToken:
      type: http
      scheme: bearer
      description: The worker token, `auth.worker_token`.

  parameters:
    WorkerID:
      name: worker_id
      in: path
      required: true
      schema: { type: string, example: w1 }
    TaskID:
      name: task_id
      in: path
      required: true
      schema: { type: string, example: t1 }

  schemas:
    Error:
      type: object
      required: [error, code]
      properties:
        error: { type: string, description: What is wrong, in words. }
        code:
          type: string
          enum:
            - bad_request
            - malformed_json
            - missing_field
            - invalid_field
            - unsupported_media_type
            - body_too_large
            - unauthorized
            - forbidden
            - not_found
            - unknown_worker
            - unknown_task_type
            - unknown_worker_type
            - no_eligible_worker_type
            - stale_lease
            - conflict
            - queue_full
            - method_not_allowed
            - shutting_down

    Status:
      type: object
      properties:
        status: { type: string }

    Health:
      type: object
      properties:
        status: { const: healthy }
        service: { const: d8-orchestrator }
        workers_online: { type: integer }
        tasks_pending: { type: integer }
        tasks_in_progress: { type: integer }
        timestamp: { type: number }

    Stats:
      type: object
      properties:
        workers:
          type: object
          properties:
            total: { type: integer }
            online: { type: integer }
            busy: { type: integer }
            by_type: { type: object, additionalProperties: { type: integer } }
        tasks:
          type: object
          properties:
            total: { type: integer }
            pending: { type: integer }
            assigned: { type: integer }
            completed: { type: integer }
            failed: { type: integer }
            dead: { type: integer }
            cancelled: { type: integer }
            held: { type: integer }
        performance:
          type: object
          properties:
            total_completed: { type: integer }
            total_failed: { type: integer }
            success_rate: { type: [number, "null"] }
        task_types: { type: object, description: "Per task type: counts, success_rate, queue_wait_s, run_time_s." }
        worker_types: { type: object, description: "Per worker type: workers, busy_slots, free_slots, completed, failed, cost_usd." }
        cost: { type: object, description: Spending and reservations against the budgets. }

    Submission:
      type: object
      required: [type, data]
      properties:
        type: { type: string, minLength: 1, description: A task type of the config., example: echo }
        data: { type: object, description: The task's input; the task type's prompt template reads its fields., example: { prompt: hi } }
        priority: { type: integer, minimum: 1, maximum: 10, default: 5, example: 7 }
        idempotency_key: { type: string, minLength: 1, maxLength: 256, example: job-1 }
        max_cost_usd: { type: number, minimum: 0, description: A ceiling on the estimated cost; worker types above it are not eligible., example: 0.5 }

    SubmitAnswer:
      allOf:
        - $ref: "#/components/schemas/Task"
        - type: object
          properties:
            duplicate: { type: boolean, description: True when an idempotency key was used before. }

    Task:
      type: object
      properties:
        task_id: { type: string }
        type: { type: string }
        status: { type: string, enum: [submitted, pending, held, assigned, completed, failed, dead, cancelled] }
        priority: { type: integer }
        data: { type: object }
        assigned_to: { type: [string, "null"] }
        worker_type: { type: [string, "null"] }
        attempt: { type: integer }
        max_attempts: { type: integer }
        created_at: { type: number }
        assigned_at: { type: [number, "null"] }
        completed_at: { type: [number, "null"] }
        retry_at: { type: [number, "null"] }
        result: { type: [object, "null"], description: The worker's result plus worker_type, model, usage, cost_usd, latency_ms. }
        errors: { type: array, items: { type: object } }
        idempotency_key: { type: [string, "null"] }
        cost_usd: { type: [number, "null"] }
        max_cost_usd: { type: [number, "null"] }
        held_reason: { type: [string, "null"] }

    LeasedTask:
      type: object
      description: The task as a worker gets it; the keys of `data` are also copied to the top level unless they collide.
      properties:
        task_id: { type: string }
        type: { type: string }
        data: { type: object }
        priority: { type: integer }
        lease: { type: string }
        attempt: { type: integer }
      additionalProperties: true

    ResultReport:
      type: object
      required: [worker_id, result]
      properties:
        worker_id: { type: string, minLength: 1, example: w1 }
        lease: { type: string, minLength: 1, maxLength: 256, description: The lease of the task as handed out; old D8 workers send none., example: l1 }
        result:
          type: object
          required: [success]
          properties:
            success: { type: boolean }
            output: { type: string }
            error: { type: string }
            retryable: { type: boolean }
            retry_after: { type: number }
            cost_usd: { type: number }
          example: { success: true, output: done }

    ResultBatch:
      type: object
      required: [results]
      properties:
        results:
          type: array
          minItems: 1
          maxItems: 1000
          items:
            type: object
            required: [task_id, result]
            properties:
              task_id: { type: string, minLength: 1 }
              lease: { type: string, minLength: 1, maxLength: 256 }
              result:
                type: object
                required: [success]
                properties:
                  success: { type: boolean }
                  output: { type: string }
                  error: { type: string }
                  retryable: { type: boolean }
                  cost_usd: { type: number }
      example: { results: [{ task_id: t1, lease: l1, result: { success: true, output: done } }] }

  responses:
    BadRequest:
      description: Malformed JSON, a missing or invalid field (malformed_json, missing_field, invalid_field, bad_request).
      content:
        application/json:
          schema: { $ref: "#/components/schemas/Error" }
    Unauthorized:
      description: No or a wrong bearer secret (unauthorized).
      content:
        application/json:
          schema: { $ref: "#/components/schemas/Error" }
    Forbidden:
      description: The other role's secret (forbidden).
      content:
        application/json:
          schema: { $ref: "#/components/schemas/Error" }
    NotFound:
      description: No such task, or no such route (not_found).
      content:
        application/json:
          schema: { $ref: "#/components/schemas/Error" }
    UnknownWorker:
      description: The worker is not registered (or was reaped); register again (unknown_worker).
      content:
        application/json:
          schema: { $ref: "#/components/schemas/Error" }
    Conflict:
      description: A stale or foreign lease (stale_lease), or an idempotency key being submitted at the same time (conflict).
      content:
        application/json:
          schema: { $ref: "#/components/schemas/Error" }
    TooLarge:
      description: The body is larger than `server.max_body` (body_too_large).
      content:
        application/json:
          schema: { $ref: "#/components/schemas/Error" }
    UnsupportedMediaType:
      description: A body that is not sent as application/json (unsupported_media_type).
      content:
        application/json:
          schema: { $ref: "#/components/schemas/Error" }
    Unprocessable:
      description: Unknown task type or worker type, or no worker type within the cost ceiling (unknown_task_type, unknown_worker_type, no_eligible_worker_type).
      content:
        application/json:
          schema: { $ref: "#/components/schemas/Error" }
    Unavailable:
      description: A queue is full, or the orchestrator is stopping or its store failed (queue_full, shutting_down).
      content:
        application/json:
          schema: { $ref: "#/components/schemas/Error" }
    ResultReceived:
      description: Recorded, or the same result again (recorded once).
      content:
        application/json:
          schema:
            type: object
            properties:
              status: { type: string, enum: [received, duplicate] }
              task_id: { type: string }

"""#
}
